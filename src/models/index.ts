export { Net } from './seedNet';
