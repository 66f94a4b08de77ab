package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Answers no real Prometheus gives: endless, huge, compressed into a bomb, nested or numbered to
 * exhaust a parser. Each must end in a clear {@link ProviderException} naming the cause, with the
 * heap intact (the bodies are far larger than the limit and than the test JVM's heap).
 */
class HostileAnswerTest {
  private static final long LIMIT = 1024 * 1024;
  private static final String PREFIX = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
      + "\"result\":[{\"metric\":{\"pod\":\"";
  /** Up to 8 GiB: far more than any heap this test runs with. */
  private static final long ENDLESS = 8L * 1024 * 1024 * 1024;

  private static PrometheusClient client(String address) {
    return PrometheusClient.builder(address).maxResponseBytes(LIMIT).timeout(Duration.ofSeconds(60)).build();
  }

  private static void writeEndless(OutputStream out) throws IOException {
    out.write(PREFIX.getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'a');
    for (long sent = 0; sent < ENDLESS; sent += chunk.length) {
      out.write(chunk);
    }
  }

  @Test
  void endlessChunkedBodyStopsAtTheLimit() throws IOException {
    try (RawHttpServer server = new RawHttpServer(
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
        out -> {
          OutputStream chunked = new ChunkedStream(out);
          writeEndless(chunked);
        })) {
      ProviderException e = catchThrowableOfType(() -> client(server.address()).query("up", null),
          ProviderException.class);

      assertThat(e.getMessage()).contains("larger than the limit of 1048576 bytes (decompressed)")
          .contains(server.address());
      assertThat(e.retriable()).isFalse();
    }
  }

  @Test
  void gzipBombStopsAtTheLimitOfDecompressedBytes() throws IOException {
    try (RawHttpServer server = new RawHttpServer(
        "Content-Type: application/json\r\nContent-Encoding: gzip\r\n",
        out -> {
          GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024);
          writeEndless(gzip);
          gzip.finish();
        })) {
      ProviderException e = catchThrowableOfType(() -> client(server.address()).query("up", null),
          ProviderException.class);

      assertThat(e.getMessage()).contains("larger than the limit of 1048576 bytes (decompressed)");
      // Only a few KB went over the wire before the client hung up: the limit counted inflated bytes.
      assertThat(server.written()).isLessThan(LIMIT);
    }
  }

  @Test
  void declaredContentLengthOverTheLimitFailsBeforeReading() throws IOException {
    try (RawHttpServer server = new RawHttpServer(
        "Content-Type: application/json\r\nContent-Length: 5000000000\r\n", HostileAnswerTest::writeEndless)) {
      ProviderException e = catchThrowableOfType(() -> client(server.address()).query("up", null),
          ProviderException.class);

      assertThat(e.getMessage()).contains("larger than the limit of 1048576 bytes");
    }
  }

  private static MetricResult.Failed failed(String body) throws IOException {
    try (RawHttpServer server = new RawHttpServer("Content-Type: application/json\r\n"
        + "Content-Length: " + body.length() + "\r\n",
        out -> out.write(body.getBytes(StandardCharsets.US_ASCII)))) {
      MetricResult result = new PrometheusMetricProvider(client(server.address()))
          .query(MetricQuery.of("up"));
      assertThat(result).isInstanceOf(MetricResult.Failed.class);
      return (MetricResult.Failed) result;
    }
  }

  @Test
  void aThousandDigitTimestampIsAClearError() throws IOException {
    String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
        + "\"value\":[" + "9".repeat(1001) + ",\"1\"]}]}}";
    assertThat(body.length()).isLessThan(1200);

    assertThat(failed(body).message()).contains("malformed JSON answer")
        .contains("Number value length").doesNotContain("unexpected java");
  }

  @Test
  void aThousandDigitValueIsAClearError() throws IOException {
    String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
        + "\"value\":[1700000000,\"" + "9".repeat(1001) + "\"]}]}}";

    assertThat(failed(body).message()).contains("data.result[0].value value has 1001 characters");
  }

  @Test
  void aThousandDeepArrayIsAClearError() throws IOException {
    String inResult = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
        + "[".repeat(1001) + "]".repeat(1001) + "}}";
    String inSkippedField = "{\"status\":\"success\",\"warnings\":"
        + "[".repeat(1001) + "]".repeat(1001) + ",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";

    assertThat(failed(inResult).message())
        .contains("unexpected answer: data.result is not a [timestamp, \"value\"] pair");
    assertThat(failed(inSkippedField).message()).contains("malformed JSON answer")
        .contains("nesting depth");
  }

  @Test
  void aHugeTimestampIsOutOfRangeNotAnOverflow() throws IOException {
    String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1e300,\"1\"]}}";

    assertThat(failed(body).message()).contains("data.result timestamp is out of range");
  }

  /** HTTP/1.1 chunked transfer coding around a stream. */
  private static final class ChunkedStream extends OutputStream {
    private final OutputStream out;

    ChunkedStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b, off, len);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
  }
}
