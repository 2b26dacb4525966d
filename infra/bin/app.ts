// CDK entry point: only instantiates the platform's stacks (see infra/app-builder.ts).
import { buildPlatformApp } from '../app-builder';

buildPlatformApp().app.synth();
