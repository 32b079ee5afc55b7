// tools/bundle-browser.mjs's virtual module: every shaders/*.wgsl as a string, by name.
declare module 'aegl:shaders' {
  const shaders: Record<string, string>;
  export default shaders;
}
