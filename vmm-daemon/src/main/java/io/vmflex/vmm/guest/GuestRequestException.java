package io.vmflex.vmm.guest;

/** The guest answered a host request with InvalidMessage or InternalError; the text is the guest's (shortened). */
public final class GuestRequestException extends GuestChannelException {
    public GuestRequestException(String message) {
        super(message);
    }
}
