// Public surface of the honeypot log loaders.
export { COWRIE_COLUMNS, CowrieSourceError, cowrieLabel, openCowrieSource, type CowrieSourceOptions } from './cowrie';
