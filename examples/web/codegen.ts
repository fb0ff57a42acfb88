// graphql-codegen's client preset: typed documents from the server's
// committed schema, and the manifest of trusted documents
// (src/gql/persisted-documents.json) the server is started with.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' }, fragmentMasking: false },
      config: { enumsAsTypes: true, useTypeImports: true },
    },
  },
};
export default config;
