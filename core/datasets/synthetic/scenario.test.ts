import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SCENARIO_DIR, listScenarios, loadScenarioFile, loadScenarios, parseScenario, ScenarioError } from './scenario';

const REQUIRED: Record<string, string> = {
  'port-scan': 'PortScan',
  'syn-flood': 'DDoS',
  'http-flood': 'DoS Hulk',
  'ssh-brute-force': 'SSH-Patator',
  'ftp-brute-force': 'FTP-Patator',
  'web-injection': 'Web Attack - Sql Injection',
  'botnet-beaconing': 'Bot',
  'slow-exfiltration': 'Infiltration',
  benign: 'BENIGN',
};

function validScenario(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(DEFAULT_SCENARIO_DIR, 'ssh-brute-force.json'), 'utf8')) as Record<string, unknown>;
}

describe('scenario definitions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'scenarios-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, body: unknown): string {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  }

  it('ships every required scenario, valid, with its CICIDS2017 label spelling', () => {
    const all = loadScenarios('all');
    expect(all.map((s) => s.name)).toEqual(listScenarios());
    for (const [name, label] of Object.entries(REQUIRED)) {
      expect(all.find((s) => s.name === name)?.label).toBe(label);
    }
  });

  it('refuses a malformed file with a message naming the file and the field', () => {
    const bad = validScenario();
    bad.fwdPackets = { type: 'normal', mean: 12, std: -4 };
    const file = write('bad-std', { ...bad, name: 'bad-std' });
    expect(() => loadScenarioFile(file)).toThrow(ScenarioError);
    expect(() => loadScenarioFile(file)).toThrow(`invalid scenario ${file}: fwdPackets.std:`);
  });

  it('names unknown keys, wrong discriminators, missing tcp behaviour and inconsistent weights', () => {
    const typo = write('typo', { ...validScenario(), name: 'typo', interArivalUs: 3 });
    expect(() => loadScenarioFile(typo)).toThrow(/\(root\): .*interArivalUs/);
    const kind = write('kind', { ...validScenario(), name: 'kind', interArrivalUs: { type: 'gamma', shape: 2 } });
    expect(() => loadScenarioFile(kind)).toThrow(/interArrivalUs\.type: /);
    const noTcp: Record<string, unknown> = { ...validScenario(), name: 'no-tcp' };
    delete noTcp.tcp;
    expect(() => loadScenarioFile(write('no-tcp', noTcp))).toThrow('tcp: required when protocol is "tcp"');
    const weights = write('weights', { ...validScenario(), name: 'weights', destinationPort: { type: 'choice', values: [22, 2222], weights: [1] } });
    expect(() => loadScenarioFile(weights)).toThrow('destinationPort.weights: must have one weight per value');
    const range = write('range', { ...validScenario(), name: 'range', fwdPackets: { type: 'uniform', min: 9, max: 3 } });
    expect(() => loadScenarioFile(range)).toThrow('fwdPackets.max: must be ≥ min');
  });

  it('refuses invalid JSON, a name that differs from the file, and unknown scenario names', () => {
    const broken = write('broken', '{ "name": "broken", ');
    expect(() => loadScenarioFile(broken)).toThrow(`invalid JSON in scenario ${broken}`);
    const renamed = write('renamed', { ...validScenario(), name: 'other-name' });
    expect(() => loadScenarioFile(renamed)).toThrow(/name: "other-name" must equal the file name "renamed"/);
    expect(() => loadScenarios(['no-such-scenario'])).toThrow(/unknown scenario "no-such-scenario"; available: .*port-scan/);
    expect(() => parseScenario({ ...validScenario(), fwdDataProbability: 2 }, 'inline')).toThrow(/inline: fwdDataProbability: /);
  });
});
