/** Benchmarks of rocks against plain sockets. */
package io.rocks.bench;
