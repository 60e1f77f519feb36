package io.rocks.agenttests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eu.rekawek.toxiproxy.Proxy;
import io.grpc.CallOptions;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.okhttp.OkHttpServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.rocks.Rocks;
import io.rocks.RocksServerSocketFactory;
import io.rocks.RocksSocketFactory;
import io.rocks.RocksTotals;
import io.rocks.chaos.Toxi;
import io.rocks.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC on OkHttp's transport, client and server, each given a rocks socket factory in one line
 * ({@code socketFactory(new RocksSocketFactory())}, {@code socketFactory(new
 * RocksServerSocketFactory())}), through Toxiproxy cut every 50 calls: every call succeeds with
 * its exact answer and gRPC never makes a second connection.
 */
class GrpcOkHttpTest {
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final int CALLS = 300;
  private static final int CUT_EVERY = 50;

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** Answers each request with its bytes reversed. */
  private static final MethodDescriptor<byte[], byte[]> REVERSE = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("rocks.test.Bytes/Reverse")
      .setRequestMarshaller(BYTES)
      .setResponseMarshaller(BYTES)
      .build();

  @Test
  @Timeout(300)
  void grpcOnOkHttpWithRocksSocketFactoriesCarriesOnAcrossCuts() throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("rocks.test.Bytes")
        .addMethod(REVERSE, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(reversed(request));
          response.onCompleted();
        }))
        .build();
    RocksTotals before = Rocks.monitor().totals();
    Server server = OkHttpServerBuilder.forPort(new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
        .socketFactory(new RocksServerSocketFactory())
        .addService(service)
        .build()
        .start();
    ManagedChannel channel = null;
    try (Proxies proxies = Proxies.start("grpc")) {
      Proxy proxy = proxies.toxi.createProxy("grpc", new InetSocketAddress("127.0.0.1", server.getPort()));
      InetSocketAddress via = Toxi.listenAddress(proxy);
      channel = OkHttpChannelBuilder.forAddress(via.getAddress().getHostAddress(), via.getPort())
          .usePlaintext()
          .socketFactory(new RocksSocketFactory())
          .build();
      SplittableRandom random = new SplittableRandom(17);
      int cuts = 0;
      for (int call = 1; call <= CALLS; call++) {
        byte[] request = new byte[1 + random.nextInt(65536)];
        random.nextBytes(request);
        byte[] answer = ClientCalls.blockingUnaryCall(channel, REVERSE, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);
        assertArrayEquals(reversed(request), answer, "call " + call);
        if (call % CUT_EVERY == 0 && call < CALLS) {
          proxies.toxi.disable(proxy);
          proxies.toxi.enable(proxy);
          cuts++;
          int expected = cuts;
          // Both ends are in this process: each cut resumes the client's rock and the server's.
          Await.until(STEP, "both rocks resumed from cut " + cuts,
              () -> Rocks.monitor().totals().resumes() - before.resumes() >= 2L * expected);
        }
      }
      RocksTotals after = Rocks.monitor().totals();
      assertEquals(2, after.established() - before.established(), "one connection, a rock at each end, never replaced");
      assertEquals(2L * cuts, after.resumes() - before.resumes(), "each cut resumed both rocks once");
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static byte[] reversed(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[bytes.length - 1 - i];
    }
    return out;
  }
}
