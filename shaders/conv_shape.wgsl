// The geometry every conv2d*.wgsl kernel is specialised on (src/ops/conv.ts constants() passes
// it): channels in and out, input size, kernel, stride, padding, output size. The batch is not a
// constant: each file's batch_x() or batch_dy() reads it off the input's or dy's length, so one
// pipeline serves every batch size, AEGL's padded batches included (functions of arrayLength, not
// a variable: WGSL's uniformity analysis must see the barriers and shuffles they guard as
// uniform). Where a file runs the input gradient as a convolution of dy (conv2d_packed.wgsl,
// conv2d_subgroup.wgsl), C is the channels it sums over and K those it produces.
override C: u32 = 1u; // input channels
override H: u32 = 1u;
override W: u32 = 1u;
override K: u32 = 1u; // output channels
override R: u32 = 1u; // kernel height
override S: u32 = 1u; // kernel width
override ST: u32 = 1u; // stride
override P: u32 = 0u; // padding
override HO: u32 = 1u;
override WO: u32 = 1u;
