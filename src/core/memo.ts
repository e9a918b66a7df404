/**
 * Values derived once per options object.
 *
 * @module
 */

/**
 * `derive`, memoised per argument object (in a WeakMap): what a server
 * derives from its options (validated limits, settings) is computed once and
 * shared by every connection made with them, instead of held by each. A
 * derivation that throws caches nothing, so bad options fail every time.
 */
export function perObject<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = derive(key);
      cache.set(key, value);
    }
    return value;
  };
}
