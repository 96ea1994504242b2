package io.vmflex.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.vmflex.vmm.qmp.QmpClient;
import io.vmflex.vmm.qmp.QmpClientOptions;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Opens QMP sessions for the supervisors, all on one shared epoll event loop: QMP traffic is a few
 * small commands per second per VM, one I/O thread serves hundreds of VMs.
 *
 * <p>Thread-safe.
 */
public final class QmpSessions implements QmpConnector, AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

    @Override
    public QmpSession connect(Path socket, BiConsumer<String, JsonNode> onEvent, Runnable onDisconnect) throws Exception {
        QmpClientOptions options = QmpClientOptions.defaults()
                .withEventLoopGroup(group)
                .withEventListener(e -> onEvent.accept(e.name(), e.data()))
                .withDisconnectListener(cause -> onDisconnect.run());
        QmpClient client;
        try {
            client = QmpClient.connect(socket, options).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        return new Session(client);
    }

    private record Session(QmpClient client) implements QmpSession {
        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            return client.execute(command, arguments);
        }

        @Override
        public boolean isConnected() {
            return client.isConnected();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
