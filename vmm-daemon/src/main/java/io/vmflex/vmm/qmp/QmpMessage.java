package io.vmflex.vmm.qmp;

/**
 * One message a QMP server sends to its client, as decoded from one JSON object.
 *
 * <p>Immutable records; safe to share between threads. Payloads are Jackson trees and must be
 * treated as read-only by receivers, because the same tree may reach several consumers.
 */
sealed interface QmpMessage permits QmpGreeting, QmpReturn, QmpError, QmpEvent {}
