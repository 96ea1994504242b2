/**
 * QMP (QEMU Machine Protocol) client over a Unix domain socket, on Netty epoll.
 *
 * <pre>
 *  socket bytes ─► QmpFrameDecoder ─► QmpMessageDecoder ─► QmpConnectionHandler ─► QmpCorrelator
 *                  one ByteBuf per    QmpGreeting/Return/   greeting, then          ids, replies,
 *                  JSON object        Error/Event records   qmp_capabilities        events, timeouts,
 *                  (brace counting)   (Jackson trees)                               ≤ 8 in flight
 * </pre>
 *
 * <p>Entry points: {@link io.vmflex.vmm.qmp.QmpClient#connect} for one connection,
 * {@link io.vmflex.vmm.qmp.ReconnectingQmpClient#start} for a client that survives QEMU or daemon
 * restarts. Failures are the sealed {@link io.vmflex.vmm.qmp.QmpException} family.
 *
 * <p>Threading: each connection lives on one event loop thread; futures, event listeners and
 * disconnect listeners run there and must not block.
 */
package io.vmflex.vmm.qmp;
