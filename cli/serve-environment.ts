// What `xdr-ml serve` sets up before the platform's modules load (Powertools reads its switches
// from the environment when its objects are built): handler metrics (EMF JSON) stay off the local
// console unless XDR_ML_LOCAL_METRICS=true, so the console shows the access log and real messages.
import { loadConfig } from '../config/config';
import { assignEnvironment } from '../config/environment';

/** Turns Powertools metrics off for this process unless the configuration asks for them. */
export function prepareServeEnvironment(): void {
  if (!loadConfig().local.metrics) assignEnvironment({ POWERTOOLS_METRICS_DISABLED: 'true' });
}
