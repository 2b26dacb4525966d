// The resource probes the doors use (the training container measures itself; the local backend and
// the capacity check read the machine): re-exported from the adapter so doors reach it through platform/.
export { machineCapacity, queryGpus, ResourceMeter, type MachineCapacity } from '../adapters/resource-probe';
