/**
 * HTTP/1.1 client of the vmmd admin API over its Unix domain socket (docs/admin-api.md):
 * {@link io.vmflex.client.AdminClient} for whole responses and line streams, and the
 * one-line exceptions vmctl prints.
 */
package io.vmflex.client;
