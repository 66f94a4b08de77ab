/** The Canary status: phases, the {@code Promoted} condition, and the reason a run failed. */
package io.canaryanalysis.api.status;
