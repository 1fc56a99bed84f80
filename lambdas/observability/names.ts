/** The names logs and metrics are filed under, for both functions, the stack and the local runtime (no dependencies). */

/** The `service` of every log record and the dimension of every metric (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = 'visitor-gate';
/** The CloudWatch namespace of every metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'VisitorGate';
