// The vCPUs and memory of EC2 instance types of the general-purpose (m), compute (c) and memory (r)
// families, from AWS's published shapes (vCPUs by size, GiB per vCPU by family), with or without
// SageMaker's "ml." prefix. One table for the SageMaker and the Batch capacity checks; other
// families (GPU, burstable …) are unknown here and answer undefined, never a guess.
const GiB = 1024 ** 3;
const VCPUS: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '9xlarge': 36,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
};
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m4: 4, m5: 4, m6i: 4, m7i: 4, c4: 1.875, c5: 2, c6i: 2, c7i: 2, r4: 7.625, r5: 8, r6i: 8, r7i: 8 };

/**
 * The shape of `<family>.<size>` (or `ml.<family>.<size>`) when its family is known.
 * @example instanceShape('m5.xlarge') // { vcpus: 4, memoryBytes: 16 GiB }
 */
export function instanceShape(instanceType: string): { readonly vcpus: number; readonly memoryBytes: number } | undefined {
  const m = /^(?:ml\.)?([a-z]+\d+[a-z]*)\.(\w+)$/.exec(instanceType);
  if (!m) return undefined;
  const perVcpu = GIB_PER_VCPU[m[1]];
  const vcpus = VCPUS[m[2]];
  return perVcpu && vcpus ? { vcpus, memoryBytes: perVcpu * vcpus * GiB } : undefined;
}
