// Public surface of the threat-feed loaders.
export {
  formatIpv4,
  loadIpReputation,
  openThreatFeedSource,
  parseIpv4,
  THREAT_FEED_COLUMNS,
  THREAT_FEED_MAX_LABEL_LEVEL,
  ThreatFeedError,
  type IpReputation,
} from './ipsum';
