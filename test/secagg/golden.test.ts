/**
 * Golden vectors of docs/SECAGG.md ("Golden vectors"): with fixed UNSAFE seeds the RoundStart,
 * AdvertiseKeys, MaskedInput and UnmaskRequest messages of a 2-client round are fixed bytes (the
 * ShareKeys and Unmask messages are not: Shamir's coefficients always come from the library's
 * CSPRNG). They pin the frame, the key derivations, the mask expansion and the CRC.
 */
import { SecAggServer, SecAggClient } from '../../src/secagg';
import { setBackend, getBackend, backendInfo, BackendName } from '../../src/backend';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function goldenRound() {
  const server = new SecAggServer({ round: 1, length: 4, threshold: 2, clients: 2, unsafeSeed: 1 });
  const inputs = [Uint32Array.of(1, 2, 3, 4), Uint32Array.of(10, 20, 30, 0xffffffff)];
  const clients = [0, 1].map((id) => new SecAggClient({ id, round: 1, length: 4, input: inputs[id], unsafeSeed: 100 + id }));
  const seen: Record<string, string> = {};
  for (let stage = 0; stage < 4; stage++) {
    for (const [id, msg] of server.messages()) {
      const answer = await clients[id].respond(msg);
      if (stage === 0 || stage === 3) seen[`request ${stage} to ${id}`] = hex(msg); // stages 1 and 2 carry fresh Shamir shares
      if (stage === 0 || stage === 2) seen[`answer ${stage} from ${id}`] = hex(answer);
      server.receive(answer);
    }
    await server.advance();
  }
  seen.result = hex(new Uint8Array(server.result().buffer));
  return seen;
}

const GOLDEN: Record<string, string> = {
  'request 0 to 0': '444753410101000001000000ffffffff000000003000000004000000020000000200000000000000c5d30a7ce1ec119378c84f487d775a8542f13ece238a9455e8229e888de85bbd955beff4',
  'answer 0 from 0': '44475341010200000100000000000000ffffffff40000000b8037e366fe68559ade3eff73480ed6ac1d523d50fc2e1ff433977cf97d0c857fcb60ef33836a4051885a7ad44a69f9ce707434ff7716cc5f7424598f2e66116685f07d8',
  'request 0 to 1': '444753410101000001000000ffffffff010000003000000004000000020000000200000000000000c5d30a7ce1ec119378c84f487d775a8542f13ece238a9455e8229e888de85bbd42487ae9',
  'answer 0 from 1': '44475341010200000100000001000000ffffffff400000009e63bea75b785d87d7dba03eec5c3b07521db13f9920e3394860c26ae5ae780a3d7e5f8fbe767132eb9d8efbb3391b9a8fec373f35bd97f4444019276e5bcf1e77123d65',
  'answer 2 from 0': '44475341010600000100000000000000ffffffff3400000044475057010500003400000001000000010000000000000005696e7075740104b164131fcf912a19e60968b5ffe1a1afd514803dae44838a',
  'answer 2 from 1': '44475341010600000100000001000000ffffffff3400000044475057010500003400000001000000010000000000000005696e7075740104541b839cd387e309463a0e49af8dbab35240b3b83b69b605',
  'request 3 to 0': '444753410107000001000000ffffffff000000000c000000010000000100000000000000ccc3cfcb',
  'request 3 to 1': '444753410107000001000000ffffffff010000000c00000001000000000000000000000014f80262',
  result: '0b000000160000002100000003000000', // [1, 2, 3, 4] + [10, 20, 30, 2^32 - 1] mod 2^32
};

const backends = (['ts', 'wasm', 'native'] as BackendName[]).filter((b) => b !== 'native' || backendInfo().available.native);

test.each(backends)('golden vectors on the %s backend', async (backend) => {
  const before = getBackend();
  setBackend(backend);
  try {
    const got = await goldenRound();
    if (process.env.SECAGG_PRINT_GOLDEN) console.log(JSON.stringify(got, null, 2));
    expect(got).toEqual(GOLDEN);
  } finally {
    setBackend(before);
  }
});
