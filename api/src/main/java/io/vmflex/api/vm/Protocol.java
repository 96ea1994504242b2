package io.vmflex.api.vm;

/** Transport protocol of an exposed guest port; NeonVM defaults it to TCP. */
public enum Protocol {
    TCP,
    UDP
}
