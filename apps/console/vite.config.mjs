// Vite builds the Auditing console into dist/console, which @audit/console serves at /audit.
// `npx nx serve console-page` runs Vite's dev server with the API proxied to `npm start`'s port.
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/audit/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: resolve(here, '../../dist/console'),
    emptyOutDir: true,
    // Baseline browsers of the last two years; no legacy bundle.
    target: 'es2022',
    sourcemap: true,
  },
  server: { proxy: { '/v1': `http://127.0.0.1:${process.env.PORT ?? 3000}` } },
});
