package io.vmflex.cli.ctl;

/** A failure whose message is the one line vmctl prints after {@code error: }; exit code 1. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message);
    }
}
