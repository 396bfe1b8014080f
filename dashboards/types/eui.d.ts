// The package is installed under the name OpenSearch Dashboards shares it as (@elastic/eui, an alias of
// @opensearch-project/oui); its typings declare the module by its own name.
declare module '@elastic/eui' {
  export * from '@opensearch-project/oui';
}
