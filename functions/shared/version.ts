// The running code's version: package version plus the git sha when the build knows it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { version: string };

export const CODE_VERSION = process.env.XDR_CODE_VERSION || pkg.version;
