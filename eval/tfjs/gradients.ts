/**
 * Gradient functions for the tfjs kernels the evaluation differentiates through, registered with
 * tf.registerGradient. Why: the CommonJS build of @tensorflow/tfjs-core (what `require` loads in
 * Node) registers no gradients at all — only the `@tensorflow/tfjs` union package does, and it is
 * not installed here. Every function below is built from ops that themselves have a gradient
 * registered here, so second-order gradients (a loss on gradients, differentiated again, as DLG and
 * Inverting Gradients need) work. Ported from tfjs-core 4.22 src/gradients/*_grad.ts (Apache-2.0),
 * except Conv2DBackpropFilter, which tfjs-core lacks: written here from its bilinearity.
 */
import * as tf from '@tensorflow/tfjs-core';

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;

function reduceTo(dy: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

function outShapeOf(a: tf.Tensor, b: tf.Tensor): number[] {
  return tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
}

function reg(kernelName: string, gradFunc: (dy: tf.Tensor, saved: Saved, attrs: Attrs) => Record<string, () => tf.Tensor>,
  save: { inputs?: string[] } = {}): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: save.inputs,
    gradFunc: gradFunc as unknown as tf.GradConfig['gradFunc'],
  });
}

let registered = false;

/** Register the gradients once per process (idempotent). */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  reg('Add', (dy, [a, b]) => {
    const o = outShapeOf(a, b);
    return { a: () => reduceTo(dy, a.shape, o), b: () => reduceTo(dy, b.shape, o) };
  }, { inputs: ['a', 'b'] });
  tf.registerGradient({
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: ((dy: tf.Tensor, saved: Saved) => {
      const out: Record<string, () => tf.Tensor> = {};
      saved.forEach((_, i) => { out[i] = () => dy.clone(); });
      return out;
    }) as unknown as tf.GradConfig['gradFunc'],
  });
  reg('Sub', (dy, [a, b]) => {
    const o = outShapeOf(a, b);
    return { a: () => reduceTo(dy, a.shape, o), b: () => tf.neg(reduceTo(dy, b.shape, o)) };
  }, { inputs: ['a', 'b'] });
  reg('Multiply', (dy, [a, b]) => {
    const o = outShapeOf(a, b);
    return { a: () => reduceTo(tf.mul(dy, b), a.shape, o), b: () => reduceTo(tf.mul(dy, a), b.shape, o) };
  }, { inputs: ['a', 'b'] });
  reg('RealDiv', (dy, [a, b]) => {
    const o = outShapeOf(a, b);
    return {
      a: () => reduceTo(tf.div(dy, b), a.shape, o),
      b: () => tf.neg(tf.div(reduceTo(tf.mul(dy, a), b.shape, o), tf.square(b))),
    };
  }, { inputs: ['a', 'b'] });
  reg('Neg', (dy) => ({ x: () => tf.neg(dy) }));
  reg('Cast', (dy) => ({ x: () => dy.clone() }));
  reg('Identity', (dy) => ({ x: () => dy.clone() }));
  reg('Reshape', (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }), { inputs: ['x'] });
  reg('Square', (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x, 2)) }), { inputs: ['x'] });
  reg('Sqrt', (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(tf.sqrt(x), 2)) }), { inputs: ['x'] });
  // Exp and Sigmoid save their input and recompute the output. tfjs saves a kernel's outputs
  // through a clone recorded on the tape *before* the kernel's own node, so a gradient that reads
  // a saved output is cut off from the input when it is differentiated again (second order).
  reg('Exp', (dy, [x]) => ({ x: () => tf.mul(dy, tf.exp(x)) }), { inputs: ['x'] });
  reg('Log', (dy, [x]) => ({ x: () => tf.div(dy, x) }), { inputs: ['x'] });
  reg('Sigmoid', (dy, [x]) => {
    const y = tf.sigmoid(x);
    return { x: () => tf.mul(dy, tf.mul(y, tf.sub(1, y))) };
  }, { inputs: ['x'] });
  // First-order only (TV prior): step() has no gradient, which is fine as long as nothing
  // differentiates Abs twice.
  reg('Abs', (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(x, -1)) }), { inputs: ['x'] });
  reg('Sum', (dy, [x], attrs) => {
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const expanded = x.shape.slice();
    for (const a of axes) expanded[a] = 1;
    return { x: () => tf.mul(tf.reshape(dy, expanded), tf.ones(x.shape)) };
  }, { inputs: ['x'] });
  reg('Slice', (dy, [x], attrs) => {
    const begin = attrs.begin as number[];
    const size = attrs.size as number[];
    const pads: Array<[number, number]> = x.shape.map((d, i) => {
      const s = size[i] === -1 ? d - begin[i] : size[i];
      return [begin[i], d - begin[i] - s];
    });
    return { x: () => tf.pad(dy, pads) };
  }, { inputs: ['x'] });
  reg('PadV2', (dy, [x], attrs) => {
    const p = attrs.paddings as Array<[number, number]>;
    return { x: () => tf.slice(dy, p.map((q) => q[0]), x.shape) };
  }, { inputs: ['x'] });
  reg('BatchMatMul', (dy, [a, b], attrs) => {
    const tA = attrs.transposeA as boolean;
    const tB = attrs.transposeB as boolean;
    if (!tA && !tB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
    if (!tA && tB) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
    if (tA && !tB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
    return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
  }, { inputs: ['a', 'b'] });
  reg('Conv2D', (dy, [x, filter], attrs) => ({
    x: () => backpropInput(x.shape, dy, filter, attrs),
    filter: () => backpropFilter(x, dy, filter.shape, attrs),
  }), { inputs: ['x', 'filter'] });
  reg('Conv2DBackpropInput', (ddx, [dy, filter], attrs) => ({
    dy: () => tf.conv2d(ddx as tf.Tensor4D, filter as tf.Tensor4D, attrs.strides as [number, number],
      attrs.pad as 'same' | 'valid', 'NHWC'),
    filter: () => backpropFilter(ddx, dy, filter.shape, attrs),
  }), { inputs: ['dy', 'filter'] });
  // dW = corr(x, dy) is bilinear in (x, dy): given the upstream gradient ddW (shape of the filter),
  // d/dx = conv2DBackpropInput(x.shape, dy, ddW) and d/ddy = conv2d(x, ddW).
  reg('Conv2DBackpropFilter', (ddw, [x, dy], attrs) => ({
    x: () => backpropInput(x.shape, dy, ddw, attrs),
    dy: () => tf.conv2d(x as tf.Tensor4D, ddw as tf.Tensor4D, attrs.strides as [number, number],
      attrs.pad as 'same' | 'valid', 'NHWC'),
  }), { inputs: ['x', 'dy'] });
}

function backpropInput(xShape: number[], dy: tf.Tensor, filter: tf.Tensor, attrs: Attrs): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter },
    { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function backpropFilter(x: tf.Tensor, dy: tf.Tensor, filterShape: number[], attrs: Attrs): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
    { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
