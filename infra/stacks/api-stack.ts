// The API stack: an HTTP API whose every route requires IAM authorisation, with one Lambda
// function per catalogue entry and least-privilege grants derived from the entry's `access`.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { configToEnvironment, type PlatformConfig } from '../../config/config';
import { FUNCTIONS, type FunctionDefinition } from '../../config/functions';
import { applyCatalogueGrant } from '../constructs/catalogue-grants';
import { API_CAPACITY_CHECKER, grantCapacityCheck, grantMetricRead, TELEMETRY_READER, type TrainingRunner } from '../constructs/capacity-grant';
import { XdrFunction } from '../constructs/xdr-function';

export interface ApiStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly projectRoot: string;
  /** @default FUNCTIONS from config/functions.ts */
  readonly functions?: readonly FunctionDefinition[];
  /**
   * The training stack's runner (TrainingStack.runner): the capacity checker builds the training
   * backend to check before automation trains, so it needs the backend's settings. Without it the
   * checker's backend lacks them and POST /api/ml/status/auto-retrain and /retrain answer 500.
   */
  readonly trainingRunner?: TrainingRunner;
}

export class ApiStack extends Stack {
  public readonly api: apigw.HttpApi;
  public readonly functions: Readonly<Record<string, XdrFunction>>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `xdr-ml-${props.config.stage}-api`,
      description: 'Mini-XDR ML HTTP API (IAM-authorised)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
      throttle: { rateLimit: 200, burstLimit: 400 },
    });

    const environment = configToEnvironment(props.config);
    const functions: Record<string, XdrFunction> = {};
    for (const definition of props.functions ?? FUNCTIONS) {
      const checker = definition.id === API_CAPACITY_CHECKER && props.trainingRunner !== undefined;
      const fn = new XdrFunction(this, `fn-${definition.id}`, {
        definition,
        projectRoot: props.projectRoot,
        environment: checker ? { ...environment, ...props.trainingRunner!.environment } : environment,
      });
      functions[definition.id] = fn;
      applyCatalogueGrant(fn, definition, props.config);
      // queueing a job and switching auto-retrain on check the backend's capacity first (it queues; the launcher starts)
      if (checker) grantCapacityCheck(fn, props.trainingRunner!.backend);
      // the telemetry route reads the functions' figures back from CloudWatch (adapters/cloudwatch-function-usage.ts)
      if (definition.id === TELEMETRY_READER) grantMetricRead(fn);
      const integration = new HttpLambdaIntegration(`${definition.id}-integration`, fn.function);
      for (const route of definition.routes) {
        this.api.addRoutes({ path: route.path, methods: [apigw.HttpMethod[route.method]], integration });
      }
    }
    this.functions = functions;
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'The HTTP API (IAM-authorised: sign requests with SigV4, e.g. XDR_ML_API_URL=<this> XDR_ML_TARGET=aws npx xdr-ml api GET /api/ml/health)',
    });
  }
}
