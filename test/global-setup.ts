// Jest global setup: placeholder until the embedded cloud lands (starts dynalite + s3rver once).
export default async function globalSetup(): Promise<void> {}
