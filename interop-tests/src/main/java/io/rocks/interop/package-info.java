/** Support for the interoperability tests. */
package io.rocks.interop;
