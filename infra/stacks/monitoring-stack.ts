// The monitoring stack: an SNS alert topic (KMS-encrypted with a rotating customer key that
// CloudWatch and EventBridge may use, TLS-only), CloudWatch alarms on the metrics the code emits,
// the TrainingFailed event routed to the topic, and a dashboard.
//
// Metrics (namespace MiniXdrMl, printed as Embedded Metric Format lines, see
// core/retraining/metrics.ts, each per model (dimension Model) and across models): DriftShare and
// PredictionDriftScore and OnlineAccuracy (drift-check function, every check of every deployed
// lineage), TrainingJobsFailed / TrainingJobsCompleted (training-completion function). The alarms
// watch the across-models series, so a lineage created at run time is watched with no redeploy;
// the dashboard draws every lineage's series with a SEARCH over the Model dimension.
// API errors and latency come from API Gateway's own AWS/ApiGateway metrics (5xx, Latency by ApiId).
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/config';
import { EVENT_SOURCE } from '../../core/events';
import { MODEL_VERSION_QUARANTINED } from '../../core/registry/types';
import { TRAINING_FAILED } from '../../core/retraining/events';
import { FUNCTION_METRICS } from '../../core/resources/function-usage';
import { METRIC_NAMESPACE, METRIC_SERVICE, METRICS } from '../../core/retraining/metrics';

export interface MonitoringStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** The platform bus (TrainingFailed events are routed to the alert topic). */
  readonly bus: events.IEventBus;
  /** The HTTP API whose 5xx and latency are alarmed; no API alarms when absent. */
  readonly api?: apigw.IHttpApi;
  /** Online accuracy below which the alarm fires. @default config.thresholds.accuracyThreshold */
  readonly accuracyThreshold?: number;
  /** p99 API latency (ms) above which the alarm fires. @default 2000 */
  readonly latencyP99Ms?: number;
  /** API 5xx responses per 5 minutes at which the alarm fires. @default 5 */
  readonly api5xxPer5Min?: number;
}

export class MonitoringStack extends Stack {
  public readonly topic: sns.Topic;
  public readonly alarms: Readonly<
    Record<
      'drift' | 'accuracy' | 'trainingFailures' | 'memoryOverrun' | 'capacityRefusals' | 'functionLimits' | 'api5xx' | 'apiLatency',
      cloudwatch.Alarm | undefined
    >
  >;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    const key = new kms.Key(this, 'AlertsKey', { enableKeyRotation: true, description: 'Encrypts the Mini-XDR ML alert topic' });
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(service)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
      );
    }
    this.topic = new sns.Topic(this, 'Alerts', { displayName: `Mini-XDR ML ${config.stage} alerts`, masterKey: key, enforceSSL: true });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.topic.topicArn,
      description: 'Subscribe here to the alarms: aws sns subscribe --topic-arn <this> --protocol email …',
    });

    // across all lineages (the service dimension alone, as Powertools emits it): Maximum drift,
    // Minimum accuracy, Sum of failures of any lineage
    const metric = (metricName: string, statistic: string, period = Duration.hours(1)) =>
      new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, statistic, period, dimensionsMap: { service: METRIC_SERVICE } });
    // every lineage's own series, found at run time
    const perModel = (metricName: string, statistic: string, period = Duration.hours(1)) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},Model,service} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
        label: metricName,
        period,
      });
    const alarm = (id: string, m: cloudwatch.IMetric, threshold: number, comparisonOperator: cloudwatch.ComparisonOperator, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric: m,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      return a;
    };
    const drift = alarm(
      'DriftAlarm',
      metric(METRICS.driftShare, 'Maximum'),
      config.thresholds.driftShareThreshold,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'The share of drifted features of a deployed lineage reached the dataset-drift threshold (the dashboard shows which)',
    );
    const accuracy = alarm(
      'AccuracyAlarm',
      metric(METRICS.onlineAccuracy, 'Minimum'),
      props.accuracyThreshold ?? config.thresholds.accuracyThreshold,
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      'The online accuracy (from feedback) of a deployed lineage fell below the threshold (the dashboard shows which)',
    );
    const trainingFailures = alarm(
      'TrainingFailureAlarm',
      metric(METRICS.trainingFailures, 'Sum'),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'A retraining job failed',
    );
    // resources: a job that used more memory than the capacity check sized it for (its lineage's last
    // measured peak + 20 %, or the rows × features estimate), and launches refused for want of capacity
    const memoryOverrun = alarm(
      'TrainingMemoryOverrunAlarm',
      metric(METRICS.trainingMemoryRatio, 'Maximum'),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      'A training job peaked above the memory its capacity check expected (GET /api/ml/telemetry shows which job and by how much)',
    );
    const capacityRefusals = alarm(
      'TrainingCapacityRefusedAlarm',
      metric(METRICS.capacityRefusals, 'Sum'),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'An automated retrain was refused: the training backend lacks the capacity for the job (the trigger log in GET /api/ml/status says why)',
    );
    // functions: an invocation that timed out, or came within 10 % of its timeout or memory
    // (functions/shared/limits.ts; each count is emitted only when it happens, so missing is 0)
    const functionLimits = alarm(
      'FunctionLimitsAlarm',
      new cloudwatch.MathExpression({
        expression: 'FILL(timeouts, 0) + FILL(nearTimeout, 0) + FILL(nearMemory, 0)',
        usingMetrics: {
          timeouts: metric(FUNCTION_METRICS.timeouts, 'Sum', Duration.minutes(5)),
          nearTimeout: metric(FUNCTION_METRICS.nearTimeout, 'Sum', Duration.minutes(5)),
          nearMemory: metric(FUNCTION_METRICS.nearMemoryLimit, 'Sum', Duration.minutes(5)),
        },
        label: 'Function invocations at or near their limits',
        period: Duration.minutes(5),
      }),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'A platform function timed out, or used 90 % of its timeout or memory (GET /api/ml/telemetry?by=function shows which: timeouts, nearTimeout, nearMemoryLimit)',
    );
    let api5xx: cloudwatch.Alarm | undefined;
    let apiLatency: cloudwatch.Alarm | undefined;
    if (props.api) {
      const apiMetric = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: props.api!.apiId }, statistic, period: Duration.minutes(5) });
      api5xx = alarm(
        'Api5xxAlarm',
        apiMetric('5xx', 'Sum'),
        props.api5xxPer5Min ?? 5,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        'The HTTP API answers server errors',
      );
      apiLatency = alarm(
        'ApiLatencyAlarm',
        apiMetric('Latency', 'p99'),
        props.latencyP99Ms ?? 2000,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        'p99 latency of the HTTP API is too high',
      );
    }
    this.alarms = { drift, accuracy, trainingFailures, memoryOverrun, capacityRefusals, functionLimits, api5xx, apiLatency };

    new events.Rule(this, 'TrainingFailedAlert', {
      eventBus: props.bus,
      description: 'TrainingFailed events → the alert topic',
      eventPattern: { source: [EVENT_SOURCE], detailType: [TRAINING_FAILED] },
      targets: [new targets.SnsTopic(this.topic)],
    });
    // a production artefact that failed its checksum: instances fall back to the last healthy version, a person should look
    new events.Rule(this, 'QuarantineAlert', {
      eventBus: props.bus,
      description: 'ModelVersionQuarantined events → the alert topic',
      eventPattern: { source: [EVENT_SOURCE], detailType: [MODEL_VERSION_QUARANTINED] },
      targets: [new targets.SnsTopic(this.topic)],
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `xdr-ml-${config.stage}` });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Drifted feature share, per lineage',
        left: [perModel(METRICS.driftShare, 'Maximum')],
        leftYAxis: { min: 0, max: 1 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Prediction drift, per lineage',
        left: [perModel(METRICS.predictionDrift, 'Maximum')],
        leftYAxis: { min: 0, max: 1 },
      }),
      new cloudwatch.GraphWidget({ title: 'Online accuracy, per lineage', left: [perModel(METRICS.onlineAccuracy, 'Minimum')], leftYAxis: { min: 0, max: 1 } }),
      new cloudwatch.GraphWidget({
        title: 'Training jobs, per lineage',
        left: [perModel(METRICS.trainingCompletions, 'Sum', Duration.days(1)), perModel(METRICS.trainingFailures, 'Sum', Duration.days(1))],
      }),
      new cloudwatch.GraphWidget({
        title: 'Training peak memory (MiB) and against its expected need, per lineage',
        left: [perModel(METRICS.trainingPeakMemory, 'Maximum', Duration.days(1))],
        right: [perModel(METRICS.trainingMemoryRatio, 'Maximum', Duration.days(1))],
      }),
      new cloudwatch.GraphWidget({
        title: 'Function timeouts and invocations near their limits, per function',
        left: [FUNCTION_METRICS.timeouts, FUNCTION_METRICS.nearTimeout, FUNCTION_METRICS.nearMemoryLimit].map(
          (name) =>
            new cloudwatch.MathExpression({
              expression: `SEARCH('{${METRIC_NAMESPACE},operation,service} MetricName="${name}"', 'Sum', 3600)`,
              label: name,
              period: Duration.hours(1),
            }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Training CPU and billable seconds, per lineage',
        left: [perModel(METRICS.trainingCpuSeconds, 'Sum', Duration.days(1)), perModel(METRICS.trainingBillableSeconds, 'Sum', Duration.days(1))],
      }),
    );
    if (props.api) {
      const apiId = props.api.apiId;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'API',
          left: [new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '5xx', dimensionsMap: { ApiId: apiId }, statistic: 'Sum' })],
          right: [new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensionsMap: { ApiId: apiId }, statistic: 'p99' })],
        }),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [
          drift,
          accuracy,
          trainingFailures,
          memoryOverrun,
          capacityRefusals,
          functionLimits,
          ...(api5xx ? [api5xx] : []),
          ...(apiLatency ? [apiLatency] : []),
        ],
      }),
    );
  }
}
