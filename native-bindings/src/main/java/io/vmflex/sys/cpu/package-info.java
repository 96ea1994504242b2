/** CPU facts from {@code /proc}: hardware virtualisation flags. */
package io.vmflex.sys.cpu;
