/**
 * `websocket-sansio/redis`: a backplane on Redis Pub/Sub (or sharded Pub/Sub
 * on Redis Cluster) that carries a server's topics across processes and
 * machines. Needs the `redis` package (node-redis 6), an optional peer
 * dependency.
 *
 * @module websocket-sansio/redis
 */

export {
  type RedisBackplane,
  type RedisBackplaneOptions,
  type RedisBackplaneStats,
  type RedisClientLike,
  type RedisClusterLike,
  redisBackplane,
} from "./backplane.js";
