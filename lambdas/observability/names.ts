/** The names logs and metrics are filed under, for both functions, the stack and the local runtime (no dependencies). */

/** The `service` of every log record and the dimension of every metric (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = 'visitor-gate';
/** The CloudWatch namespace of every metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'VisitorGate';

export interface ObservabilityNames {
  readonly service: string;
  readonly namespace: string;
}

/** The names from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, else the defaults above. */
export function observabilityNames(env: Readonly<Record<string, string | undefined>>): ObservabilityNames {
  return { service: env.POWERTOOLS_SERVICE_NAME?.trim() || SERVICE_NAME, namespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || METRICS_NAMESPACE };
}
