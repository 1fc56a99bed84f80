/**
 * The names logs and metrics are filed under, for both functions, the stack and the local runtime: the
 * defaults and variables of the settings table (lambdas/contract/function-settings.ts), read once here.
 */
import { FUNCTION_SETTINGS as S, envText } from '../contract/function-settings';

/** The `service` of every log record and the dimension of every metric (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = S.serviceName.default;
/** The CloudWatch namespace of every metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = S.metricsNamespace.default;

export interface ObservabilityNames {
  readonly service: string;
  readonly namespace: string;
}

/** The names from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, else the defaults above. */
export function observabilityNames(env: Readonly<Record<string, string | undefined>>): ObservabilityNames {
  return { service: envText(S.serviceName, env) ?? SERVICE_NAME, namespace: envText(S.metricsNamespace, env) ?? METRICS_NAMESPACE };
}
