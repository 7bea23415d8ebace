/** Replaced by vite.config.ts's `define` with package.json's version. */
declare const __APP_VERSION__: string;
