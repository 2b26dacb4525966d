// Imported first by benchmarks that drive handler modules: Powertools reads its log level and
// metrics switch when those modules load, so they must be set before any import reaches them
// (one EMF line a request on stdout would be measured as the handler's work).
import { assignEnvironment } from '../config/environment';

assignEnvironment({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
