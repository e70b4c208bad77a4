/**
 * Golden vectors of docs/SECAGG.md ("Golden vectors"): with fixed UNSAFE seeds the RoundStart,
 * AdvertiseKeys, MaskedInput and UnmaskRequest messages of a 2-client round are fixed bytes (the
 * ShareKeys and Unmask messages are not: Shamir's coefficients always come from the library's
 * CSPRNG). They pin the frame, the key derivations, the mask expansion, the CRC and the MaskedInput
 * body: a kind-5 integer update (docs/FORMAT.md) with the default layout, one dense layer 'input'.
 */
import { SecAggServer, SecAggClient } from '../../src/secagg';
import { setBackend, getBackend, backendInfo, BackendName } from '../../src/backend';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

type Layout = { layers?: Array<{ name: string; length: number }>; positionsId?: number };

async function goldenRound(layout: Layout = {}) {
  const server = new SecAggServer({ round: 1, length: 4, threshold: 2, clients: 2, unsafeSeed: 1, ...layout });
  const inputs = [Uint32Array.of(1, 2, 3, 4), Uint32Array.of(10, 20, 30, 0xffffffff)];
  const clients = [0, 1].map((id) => new SecAggClient({ id, round: 1, length: 4, input: inputs[id], unsafeSeed: 100 + id, ...layout }));
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

/** The same round on an aligned layout of two layers: the same masked values, another kind-5 envelope. */
const ALIGNED: Layout = { layers: [{ name: 'a', length: 1 }, { name: 'b', length: 3 }], positionsId: 0x838dbb86 };
const GOLDEN_ALIGNED: Record<string, string> = {
  // frame (body 50) | kind 5: totalLength 50, round 1, 2 layers, positionsId 0x838dbb86 | 'a' count 1, value | 'b' count 3, values | CRCs
  'answer 2 from 0': '44475341010600000100000000000000ffffffff32000000444750570105000032000000010000000200000086bb8d83016101b164131f016203cf912a19e60968b5ffe1a1afec1699bb7740bdee',
  'answer 2 from 1': '44475341010600000100000001000000ffffffff32000000444750570105000032000000010000000200000086bb8d83016101541b839c016203d387e309463a0e49af8dbab30d8812a307a0a658',
  result: GOLDEN.result,
};

test.each(backends)('golden MaskedInput on an aligned two-layer layout, %s backend', async (backend) => {
  const before = getBackend();
  setBackend(backend);
  try {
    const got = await goldenRound(ALIGNED);
    if (process.env.SECAGG_PRINT_GOLDEN) console.log(JSON.stringify(got, null, 2));
    expect({ 'answer 2 from 0': got['answer 2 from 0'], 'answer 2 from 1': got['answer 2 from 1'], result: got.result }).toEqual(GOLDEN_ALIGNED);
    // the rest of the round is the default layout's: the layout only changes the MaskedInput body
    for (const key of Object.keys(GOLDEN)) if (!key.startsWith('answer 2')) expect(got[key]).toEqual(GOLDEN[key]);
  } finally {
    setBackend(before);
  }
});
