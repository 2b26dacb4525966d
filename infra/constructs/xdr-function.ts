// One platform Lambda function from its catalogue entry: NodejsFunction (esbuild, nodejs22.x,
// arm64), its own log group, the platform configuration in its environment, and — when it runs
// inference — onnxruntime-node kept external and pruned to linux-arm64.
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';
import type { FunctionDefinition } from '../../config/functions';
import { ONNX_RUNTIME_PACKAGES, onnxRuntimeCommandHooks } from './onnx-runtime-bundling';

export interface XdrFunctionProps {
  readonly definition: FunctionDefinition;
  /** Repository root (entry paths in the catalogue are relative to it). */
  readonly projectRoot: string;
  /** Environment shared by every function (platform configuration). */
  readonly environment: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** The function's role, when a construct owns it (the federated coordinator's). @default a new role with AWSLambdaBasicExecutionRole */
  readonly role?: iam.Role;
}

export class XdrFunction extends Construct {
  public readonly function: NodejsFunction;
  /** A role another construct owns (props.role): findings on the function's grants land on it. */
  private readonly ownedElsewhere?: iam.Role;

  /** Acknowledges cdk-nag findings of this function's grants, on it and on a role another construct owns. */
  acknowledge(...acknowledgements: { readonly id: string; readonly reason: string }[]): void {
    Validations.of(this).acknowledge(...acknowledgements);
    if (this.ownedElsewhere) Validations.of(this.ownedElsewhere).acknowledge(...acknowledgements);
  }

  constructor(scope: Construct, id: string, props: XdrFunctionProps) {
    super(scope, id);
    const d = props.definition;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.function = new NodejsFunction(this, 'Function', {
      description: d.description,
      entry: path.join(props.projectRoot, d.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: d.memoryMb,
      timeout: Duration.seconds(d.timeoutSeconds),
      logGroup,
      ...(props.role ? { role: props.role } : {}),
      tracing: lambda.Tracing.ACTIVE,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      projectRoot: props.projectRoot,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'mini-xdr-ml',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Resolved at run time, never bundled: the SDK from the Lambda runtime, onnxruntime from the
        // asset (copied only into functions that score; others never load it).
        externalModules: ['@aws-sdk/*', ...ONNX_RUNTIME_PACKAGES],
        forceDockerBundling: false,
        commandHooks: d.usesOnnxRuntime ? onnxRuntimeCommandHooks(props.projectRoot) : undefined,
      },
    });
    // a given role gets the function's own log group only (no managed policy)
    this.ownedElsewhere = props.role;
    if (props.role) logGroup.grantWrite(props.role);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'The platform pins nodejs22.x: its code and the onnxruntime-node binaries are validated on it; a runtime upgrade is a deliberate, tested change.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Only AWSLambdaBasicExecutionRole (writing its own CloudWatch Logs) is managed; every data grant is a scoped inline policy.',
    });
    this.acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace submission (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level permissions.',
    });
  }
}
