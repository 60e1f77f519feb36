/** Interoperability of rocks with software written elsewhere: real clients, servers and libraries. */
module io.rocks.interop {
  requires io.rocks.api;
}
