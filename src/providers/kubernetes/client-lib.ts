/**
 * The parts of `@kubernetes/client-node` the provider uses, by name: a bundle of this module keeps
 * only them and what they need (a third of the library), where a bundle of the whole namespace
 * keeps every API group. The CLI bundles it on its own, minified (see scripts/bundle-cli.mjs), and
 * loads it through client-cached.ts, which hands on the same object.
 */
import * as k8s from '@kubernetes/client-node';

export const kubeClient = {
  CoreV1Api: k8s.CoreV1Api,
  Exec: k8s.Exec,
  KubeConfig: k8s.KubeConfig,
  PatchStrategy: k8s.PatchStrategy,
  PortForward: k8s.PortForward,
  RbacAuthorizationV1Api: k8s.RbacAuthorizationV1Api,
  setHeaderOptions: k8s.setHeaderOptions,
  Watch: k8s.Watch,
};
