import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app only imports types from the protocol package, but resolve it to its sources so
// that a value import would also work without building packages/protocol first.
const protocolSrc = fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@openums/protocol': protocolSrc } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across releases.
        manualChunks: {
          react: ['react', 'react-dom', 'react-dom/client', 'react-router'],
          mantine: ['@mantine/core', '@mantine/hooks', '@mantine/notifications'],
          tanstack: ['@tanstack/react-query', '@tanstack/react-virtual'],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'https://localhost:8443', changeOrigin: true, secure: false },
      // The dashboard reads /ums/check-status.
      '/ums': { target: 'https://localhost:8443', changeOrigin: true, secure: false },
    },
  },
});
