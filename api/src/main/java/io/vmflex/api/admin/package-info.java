/** Shapes of the admin API that are not Kubernetes objects: node info, errors, events. */
package io.vmflex.api.admin;
