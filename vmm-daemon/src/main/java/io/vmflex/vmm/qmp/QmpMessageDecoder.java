package io.vmflex.vmm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed decoder: turns one framed JSON object into a {@link QmpMessage}.
 *
 * <p>Invalid JSON is fatal ({@link CorruptedFrameException}): the framer already balanced the
 * braces, so bad JSON means the stream is not QMP. A valid object of unknown shape is logged and
 * dropped, so a newer QEMU with a new message kind does not break the session.
 *
 * <p>Stateless, hence {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
final class QmpMessageDecoder extends MessageToMessageDecoder<ByteBuf> {

    private static final Logger LOG = LoggerFactory.getLogger(QmpMessageDecoder.class);

    public QmpMessageDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        JsonNode json;
        try (InputStream in = new ByteBufInputStream(frame)) {
            json = QmpJson.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new CorruptedFrameException("QMP object is not valid JSON: " + e.getMessage(), e);
        }
        try {
            out.add(QmpMessages.fromJson(json));
        } catch (QmpProtocolException e) {
            LOG.warn("dropping QMP message: {}", e.getMessage());
        }
    }
}
