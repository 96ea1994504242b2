package io.vmflex.vmm.qmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Framer: splits the QMP byte stream into one {@link ByteBuf} per top-level JSON object.
 *
 * <p>QEMU happens to end each object with {@code \r\n}, but QMP does not promise it, so objects
 * are found by counting braces and brackets outside strings (honouring backslash escapes). It
 * does not validate JSON; the next handler parses. Whitespace between objects is skipped; any
 * other byte outside an object, or an object longer than {@code maxObjectBytes}, is fatal: the
 * decoder throws once and discards everything after, because a QMP stream cannot be resynchronised
 * safely (a lost reply would leave its command hanging).
 *
 * <p>The scan is incremental: bytes already inspected are not rescanned when more arrive.
 *
 * <p>Not thread-safe; one instance per channel, used by its event loop (Netty's contract).
 */
final class QmpFrameDecoder extends ByteToMessageDecoder {

    /** 1 MiB: far above the largest reply seen in practice (query-qmp-schema is about 200 KiB). */
    public static final int DEFAULT_MAX_OBJECT_BYTES = 1 << 20;

    private final int maxObjectBytes;

    // Scanner state for the object that starts at the buffer's readerIndex.
    private int scanned;
    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean failed;

    public QmpFrameDecoder(int maxObjectBytes) {
        if (maxObjectBytes < 2) {
            throw new IllegalArgumentException("maxObjectBytes must be at least 2: " + maxObjectBytes);
        }
        this.maxObjectBytes = maxObjectBytes;
    }

    public QmpFrameDecoder() {
        this(DEFAULT_MAX_OBJECT_BYTES);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int end = in.writerIndex();
        int index = in.readerIndex() + scanned;
        while (index < end) {
            byte b = in.getByte(index);
            if (depth == 0) {
                if (isWhitespace(b)) {
                    in.readerIndex(index + 1);
                    index++;
                    continue;
                }
                if (b != '{') {
                    fail(in);
                    throw new CorruptedFrameException(String.format(
                            "QMP stream: expected '{' but got byte 0x%02x", b & 0xff));
                }
            }
            if (index + 1 - in.readerIndex() > maxObjectBytes) {
                fail(in);
                throw new TooLongFrameException("QMP object longer than " + maxObjectBytes + " bytes");
            }
            if (depth == 0) {
                depth = 1;
            } else if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
                if (depth == 0) {
                    int start = in.readerIndex();
                    out.add(in.retainedSlice(start, index + 1 - start));
                    in.readerIndex(index + 1);
                    scanned = 0;
                    index++;
                    continue;
                }
            }
            index++;
        }
        scanned = index - in.readerIndex();
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
