/** Delivers Flagger-compatible webhooks over HTTP. */
package io.canaryanalysis.webhooks;
