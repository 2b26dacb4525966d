// Kept for suites that still name it in a docblock; every suite now runs in the shared
// environment test/support/jest-environment.ts.
export { default } from '../../../test/support/jest-environment';
