/**
 * What the stack adds to the template serverless compiles (loaded by serverless-plugin.cjs after
 * the events are compiled): the API stage (throttling, access log, REST gateway responses and
 * tracing), the alarms, the saved queries and the dashboard.
 */
import { alarmResources } from './alarms.js';
import { dashboardResources } from './dashboard.js';
import { queryResources } from './queries.js';
import { readSettings, type Settings } from './settings.js';
import { ACCESS_LOG_GROUP, shapeStage } from './stage.js';
import { addResources, required, type Template } from './template.js';

export { readSettings, type Settings };

/** serverless' logical ids for the one function, `kms`. */
const FUNCTION = 'KmsLambdaFunction';
const FUNCTION_LOG_GROUP = 'KmsLogGroup';

export function shapeTemplate(template: Template, settings: Settings): void {
  const fn = required(template, FUNCTION, 'the function');
  const env = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables;
  // Alarms and dashboard read the namespace the function writes to: the two must not drift.
  if (env?.POWERTOOLS_METRICS_NAMESPACE !== settings.metricsNamespace) {
    throw new Error(
      `the function's POWERTOOLS_METRICS_NAMESPACE (${String(env?.POWERTOOLS_METRICS_NAMESPACE)}) is not KMS_METRICS_NAMESPACE (${settings.metricsNamespace})`,
    );
  }
  const functionLogGroup = required(template, FUNCTION_LOG_GROUP, "the function's log group");

  shapeStage(template, settings);
  addResources(template, alarmResources(settings));
  addResources(
    template,
    queryResources(settings, {
      function: { id: FUNCTION_LOG_GROUP, name: functionLogGroup.Properties?.LogGroupName },
      access: {
        id: ACCESS_LOG_GROUP,
        name: template.Resources[ACCESS_LOG_GROUP]?.Properties?.LogGroupName,
      },
    }),
  );
  addResources(
    template,
    dashboardResources(settings, {
      functionName: { Ref: FUNCTION },
      api:
        settings.api === 'rest'
          ? String(required(template, 'ApiGatewayRestApi', 'the REST API').Properties?.Name)
          : { Ref: 'HttpApi' },
    }),
  );
}
