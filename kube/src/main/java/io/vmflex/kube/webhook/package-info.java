/**
 * The validating admission webhook for {@code virtualmachines.vm.neon.tech}: the node daemon's
 * validation rules applied before the API server stores a VM, served over HTTPS with a CA and
 * serving certificate the webhook makes, stores in a Secret, rotates and keeps in its
 * ValidatingWebhookConfiguration's caBundle itself.
 *
 * <pre>
 *   request path:  WebhookServer -> AdmissionReviewCodec.parse -> VmAdmission.review (pure) -> response
 *   certificates:  CertificateKeeper.reconcile: Secret -> RotationPolicy.plan (pure) -> Secret
 *                  -> WebhookRegistration.ensure (caBundle) -> ServingKeyManager.use (served)
 * </pre>
 *
 * {@link io.vmflex.kube.webhook.Webhook} puts them together; {@code vmflex webhook} runs it.
 */
package io.vmflex.kube.webhook;
