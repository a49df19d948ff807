import { connectorContract } from "./contract.js";
import { memoryDriver } from "./drivers/memory.js";

connectorContract(memoryDriver);
