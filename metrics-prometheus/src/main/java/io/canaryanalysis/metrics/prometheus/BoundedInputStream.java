package io.canaryanalysis.metrics.prometheus;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Fails a read once more than {@code limit} bytes have come through. Wrapped around OkHttp's
 * body stream, which is already gunzipped, so the limit counts decompressed bytes and a gzip
 * bomb stops at the limit.
 */
final class BoundedInputStream extends FilterInputStream {
  /** How many leading bytes are kept for error messages. */
  static final int PREFIX_BYTES = 512;
  private final long limit;
  private long count;
  private final byte[] prefix = new byte[PREFIX_BYTES];
  private int prefixLength;

  /** The body grew past the limit; the message names it. */
  static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(long limit) {
      super("answer is larger than the limit of " + limit + " bytes (decompressed)");
    }
  }

  BoundedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      if (prefixLength < PREFIX_BYTES) {
        prefix[prefixLength++] = (byte) b;
      }
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    // Never ask for more than one byte past the limit, so an endless body is not buffered ahead.
    int n = super.read(buf, off, (int) Math.min(len, limit - count + 1));
    if (n > 0) {
      int keep = Math.min(n, PREFIX_BYTES - prefixLength);
      if (keep > 0) {
        System.arraycopy(buf, off, prefix, prefixLength, keep);
        prefixLength += keep;
      }
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(Math.min(n, limit - count + 1));
    count(skipped);
    return skipped;
  }

  /**
   * The first bytes read, as text for an error message. When the body went on past them, the
   * last, possibly cut, word is dropped so no partial secret escapes redaction.
   */
  String prefix() {
    String text = new String(prefix, 0, prefixLength, java.nio.charset.StandardCharsets.UTF_8);
    if (prefixLength < PREFIX_BYTES) {
      return text;
    }
    int cut = text.length();
    while (cut > 0 && " \t\r\n\"',:{}[]<>".indexOf(text.charAt(cut - 1)) < 0) {
      cut--;
    }
    return text.substring(0, cut) + "...";
  }

  private void count(long n) throws TooLargeException {
    count += n;
    if (count > limit) {
      throw new TooLargeException(limit);
    }
  }
}
