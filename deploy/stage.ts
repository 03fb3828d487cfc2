/**
 * The API stage, either variant: stage-wide throttling (a leaked caller key or a runaway client
 * cannot spend the account's KMS quota faster than this), an access log whose `requestId` is the
 * envelope's RequestId, and for the REST API X-Ray tracing when asked and the gateway responses.
 *
 * serverless creates a REST stage implicitly, through its deployment, and configures logs and
 * tracing after the deploy with API calls; here the stage is a resource of the template
 * instead, so everything it does is in CloudFormation and checked by the package tests.
 */
import { accessLogFormat, accessLogGroupName } from './access-log.js';
import { gatewayResponseResources } from './gateway-responses.js';
import type { Settings } from './settings.js';
import { addResources, dependOn, idsOfType, required, type Template } from './template.js';

export const ACCESS_LOG_GROUP = 'ApiAccessLogGroup';
export const REST_STAGE = 'ApiGatewayStage';

function accessLog(template: Template, settings: Settings) {
  addResources(template, {
    [ACCESS_LOG_GROUP]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: accessLogGroupName(settings.api, settings.service, settings.stage),
        RetentionInDays: settings.logRetentionDays,
      },
    },
  });
  return {
    DestinationArn: { 'Fn::GetAtt': [ACCESS_LOG_GROUP, 'Arn'] },
    Format: accessLogFormat(settings.api),
  };
}

function shapeHttpApi(template: Template, settings: Settings): void {
  const stage = required(template, 'HttpApiStage', 'KMS_API=http compiles an HTTP API');
  const properties = stage.Properties ?? {};
  stage.Properties = properties;
  properties.DefaultRouteSettings = {
    ...(properties.DefaultRouteSettings as object | undefined),
    ThrottlingRateLimit: settings.throttle.rate,
    ThrottlingBurstLimit: settings.throttle.burst,
  };
  properties.AccessLogSettings = accessLog(template, settings);
  dependOn(stage, [ACCESS_LOG_GROUP]);
}

function shapeRestApi(template: Template, settings: Settings): void {
  required(template, 'ApiGatewayRestApi', 'KMS_API=rest compiles a REST API');
  const deployments = idsOfType(template, 'AWS::ApiGateway::Deployment');
  if (deployments.length !== 1) {
    throw new Error(`expected one REST API deployment, found ${deployments.length}`);
  }
  const deploymentId = deployments[0] as string;
  const deployment = required(template, deploymentId, 'the REST API deployment');
  // The stage below replaces the one the deployment would create.
  delete deployment.Properties?.StageName;

  const responses = gatewayResponseResources({ Ref: 'ApiGatewayRestApi' }, settings.codeSpelling);
  addResources(template, responses);
  // Gateway responses take effect with a deployment made after them.
  dependOn(deployment, Object.keys(responses));

  addResources(template, {
    [REST_STAGE]: {
      Type: 'AWS::ApiGateway::Stage',
      DependsOn: [ACCESS_LOG_GROUP],
      Properties: {
        RestApiId: { Ref: 'ApiGatewayRestApi' },
        DeploymentId: { Ref: deploymentId },
        StageName: settings.stage,
        TracingEnabled: settings.tracing,
        AccessLogSetting: accessLog(template, settings),
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: settings.throttle.rate,
            ThrottlingBurstLimit: settings.throttle.burst,
          },
        ],
      },
    },
  });
}

export function shapeStage(template: Template, settings: Settings): void {
  if (settings.api === 'http') shapeHttpApi(template, settings);
  else shapeRestApi(template, settings);
}
