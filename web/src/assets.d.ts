// esbuild bundles imported style sheets into app.css; to the type checker they are modules with nothing in them.
declare module '*.css';
